"""genzoo.train: recipes, trainers (one per objective) and the loop that runs them.

Sits beside zoo/ on the dependency arrow: cli -> train -> zoo -> plugins -> core.
"""
