"""동네 (dongne): a hyperlocal second-hand marketplace."""

__version__ = "0.1.0"
