"""The registry: entries, lookups, wildcards, filters, clashes and suggestions."""

from __future__ import annotations

import fnmatch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genzoo.core import (
    Architecture,
    DatasetEntry,
    PatternError,
    PretrainedModel,
    RegistrationError,
    Registry,
    UnknownNameError,
)
from genzoo.core.registry import check_pattern

GEN = "genzoo.plugins.dcgan.model:DCGANGenerator"


def arch(name: str, family: str = "gan") -> Architecture:
    return Architecture(name=name, family=family, components={"generator": GEN})


def model(
    name: str, architecture: str = "dcgan", dataset: str = "fashion-mnist"
) -> PretrainedModel:
    return PretrainedModel(
        name=name, architecture=architecture, repo_id=f"genzoo/{name}", dataset=dataset
    )


@pytest.fixture
def registry() -> Registry:
    r = Registry()
    r.add(arch("dcgan"), plugin="builtin")
    r.add(arch("vae", family="vae"), plugin="builtin")
    r.add(arch("wgan-gp"), plugin="extra")
    for name, architecture, dataset in [
        ("dcgan-mnist", "dcgan", "mnist"),
        ("dcgan-fashion-mnist", "dcgan", "fashion-mnist"),
        ("vae-fashion-mnist", "vae", "fashion-mnist"),
        ("wgan-gp-fashion-mnist", "wgan-gp", "fashion-mnist"),
    ]:
        r.add(model(name, architecture, dataset), plugin="extra" if "wgan" in name else "builtin")
    return r


def names(entries) -> list[str]:
    return [e.name for e in entries]


def test_lookup_and_plugin_stamp(registry: Registry):
    assert registry.model("dcgan-mnist").plugin == "builtin"
    assert registry.architecture("wgan-gp").plugin == "extra"
    assert registry.lookup("vae").family == "vae"
    assert registry.lookup("vae-fashion-mnist").architecture == "vae"
    assert registry.family_of(registry.model("wgan-gp-fashion-mnist")) == "gan"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            None,
            ["dcgan-fashion-mnist", "dcgan-mnist", "vae-fashion-mnist", "wgan-gp-fashion-mnist"],
        ),
        ("*gan*", ["dcgan-fashion-mnist", "dcgan-mnist", "wgan-gp-fashion-mnist"]),
        ("DCGAN-*", ["dcgan-fashion-mnist", "dcgan-mnist"]),  # case-insensitive
        ("?ae-*", ["vae-fashion-mnist"]),
        ("[dv]*-fashion-mnist", ["dcgan-fashion-mnist", "vae-fashion-mnist"]),
        ("[!d]*", ["vae-fashion-mnist", "wgan-gp-fashion-mnist"]),
        ("dcgan-mnist", ["dcgan-mnist"]),
        ("diffusion-*", []),
    ],
)
def test_wildcards(registry: Registry, pattern, expected):
    assert names(registry.find_models(pattern)) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"family": "gan"}, ["dcgan-fashion-mnist", "dcgan-mnist", "wgan-gp-fashion-mnist"]),
        ({"family": "vae"}, ["vae-fashion-mnist"]),
        ({"dataset": "mnist"}, ["dcgan-mnist"]),
        ({"plugin": "extra"}, ["wgan-gp-fashion-mnist"]),
        (
            {"family": "gan", "dataset": "fashion-mnist", "plugin": "builtin"},
            ["dcgan-fashion-mnist"],
        ),
    ],
)
def test_model_filters(registry: Registry, filters, expected):
    assert names(registry.find_models(**filters)) == expected


def test_architecture_search(registry: Registry):
    assert names(registry.find_architectures("*gan*")) == ["dcgan", "wgan-gp"]
    assert names(registry.find_architectures(family="vae")) == ["vae"]
    assert names(registry.find_architectures(plugin="extra")) == ["wgan-gp"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.model("dcgan-mnst"), "unknown model 'dcgan-mnst'; did you mean 'dcgan-mnist'"),
        (lambda r: r.find_models("dcgan-fashion"), "did you mean 'dcgan-fashion-mnist'"),
        (lambda r: r.lookup("vea"), "unknown model or architecture 'vea'; did you mean 'vae'?"),
        (lambda r: r.architecture("wgangp"), "did you mean 'wgan-gp'?"),
        (lambda r: r.find_models(family="gans"), "unknown family 'gans'; did you mean 'gan'?"),
        (lambda r: r.find_models(dataset="fashion"), "did you mean 'fashion-mnist'?"),
        (
            lambda r: r.find_models(plugin="extras"),
            "unknown plugin 'extras'; did you mean 'extra'?",
        ),
        (lambda r: r.dataset("zzz"), "unknown dataset 'zzz' (see `genzoo list`)"),
    ],
)
def test_unknown_names_suggest_close_matches(registry: Registry, call, message):
    with pytest.raises(UnknownNameError) as caught:
        call(registry)
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("pattern", ["", "[abc", "dcgan-[", "[!", "[]", "a[!]b"])
def test_malformed_patterns(registry: Registry, pattern):
    with pytest.raises(PatternError):
        registry.find_models(pattern)


@given(st.text(alphabet="ab*?[]!-", max_size=12))
def test_any_pattern_is_either_rejected_cleanly_or_matches_like_fnmatch(pattern: str):
    try:
        check_pattern(pattern)
    except PatternError:
        return
    fnmatch.fnmatchcase("ab-ba", pattern)  # accepted patterns are valid fnmatch patterns


@pytest.mark.parametrize(
    ("entry", "plugin", "message"),
    [
        (
            arch("dcgan"),
            "evil",
            "architecture 'dcgan' from plugin 'evil' clashes with architecture "
            "'dcgan' from plugin 'builtin'; the one from 'evil' is ignored",
        ),
        (
            model("dcgan"),
            "evil",
            "model 'dcgan' from plugin 'evil' clashes with architecture 'dcgan' "
            "from plugin 'builtin'",
        ),
        (
            arch("dcgan-mnist"),
            "evil",
            "architecture 'dcgan-mnist' from plugin 'evil' clashes with model 'dcgan-mnist'",
        ),
    ],
)
def test_clashing_names_name_both_plugins(registry: Registry, entry, plugin, message):
    with pytest.raises(RegistrationError, match=message):
        registry.add(entry, plugin=plugin)
    assert registry.lookup(entry.name).plugin == "builtin"


def test_datasets_have_their_own_namespace(registry: Registry):
    registry.add(DatasetEntry(name="dcgan", loader="a.b:c"), plugin="odd")
    assert registry.dataset("dcgan").plugin == "odd"
    with pytest.raises(RegistrationError, match="dataset 'dcgan' from plugin 'twice'"):
        registry.add(DatasetEntry(name="dcgan", loader="a.b:c"), plugin="twice")


def test_only_entries_can_be_registered(registry: Registry):
    with pytest.raises(RegistrationError, match="registered str 'dcgan'; expected an Architecture"):
        registry.add("dcgan", plugin="evil")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: arch("DCGAN"), "invalid architecture name 'DCGAN'"),
        (lambda: Architecture(name="a", family="gan", components={}), "names no components"),
        (
            lambda: Architecture(name="a", family="gan", components={"critic": GEN}),
            "unknown role 'critic'",
        ),
        (
            lambda: Architecture(name="a", family="gan", components={"generator": "pkg.Gen"}),
            "must be a lazy reference 'package.module:Class', got 'pkg.Gen'",
        ),
        (
            lambda: PretrainedModel(name="m", architecture="a", repo_id="no-slash"),
            "repo_id must look like",
        ),
        (
            lambda: PretrainedModel(
                name="m", architecture="a", repo_id="o/m", sha256={"generator": "abc"}
            ),
            "64 lowercase hex digits",
        ),
        (lambda: DatasetEntry(name="d", loader="load"), "loader must be 'package.module:function'"),
    ],
)
def test_invalid_entries_are_refused_with_a_reason(make, message):
    with pytest.raises(RegistrationError, match=message):
        make()


def test_entries_are_immutable():
    entry = Architecture(name="a", family="gan", components={"generator": GEN}, config={"x": 1})
    with pytest.raises(TypeError):
        entry.config["x"] = 2  # type: ignore[index]
    assert not model("m").published
    assert PretrainedModel(
        name="m", architecture="a", repo_id="o/m", sha256={"generator": "0" * 64}
    ).published
