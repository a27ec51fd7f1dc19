"""ftzlink: policies of Shanghai's FTZ-linked innovation zones as data, and an engine that explains them."""

__version__ = "0.1.0"
