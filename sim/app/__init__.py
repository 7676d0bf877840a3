"""The classroom page: ``crisis-sim app`` serves it on this machine (Solara, offline).

- :mod:`sim.app.content`: what the page shows, computed without Solara (tested directly);
- :mod:`sim.app.page`: the Solara page itself (``Page``);
- :mod:`sim.app.serve`: starting the server.

Nothing in the model imports this package.
"""
