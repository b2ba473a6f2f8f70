# In-tree test configuration: loads the mxlab pytest plugin (fixtures, scenario collection)
# unless an installed mxlab already registered it through its pytest11 entry point.
from importlib.metadata import entry_points

pytest_plugins = [] if any(ep.name == "mxlab" for ep in entry_points(group="pytest11")) else ["mxlab.pytest_plugin"]
