"""sqmsbot: a service quality management system that lives in the team chat."""

__version__ = "0.1.0"
