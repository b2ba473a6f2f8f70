"""mxlab: start an MTA, fake DNS and fake MX hosts in-process and watch mail move between them.

The C++ core lives in the private ``_core`` module; this package re-exports it and adds the
Python-side harness (config from dicts, Topology, the mtad subprocess wrapper, a pytest plugin).
"""
from ._core import *  # noqa: F401,F403  (names depend on which C++ layers are built)
from ._core import ConfigError, Error, SmtpError, StartError, WaitTimeout  # noqa: F401
from .config import mta_config, merge_settings, plan_retries, to_yaml  # noqa: F401
from .admin import Admin, AdminError  # noqa: F401
from .daemon import Mtad  # noqa: F401
from .topology import Topology  # noqa: F401
from .waits import wait_until  # noqa: F401

__version__ = "0.1.0"
