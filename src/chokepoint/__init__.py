"""chokepoint: a workbench for critical-mineral supply-chain exposure, stress tests,
decisions and news signals.

`chokepoint.open()` returns a `Workbench` on the store; the CLI and web call it.
"""
from chokepoint.workbench import Workbench, open

__all__ = ["Workbench", "open", "__version__"]
__version__ = "0.1.0"
