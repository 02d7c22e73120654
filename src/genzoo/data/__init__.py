"""genzoo.data: datasets read from disk (IDX files, image folders), never downloaded."""
