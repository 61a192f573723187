"""cybermutual: run cyber-collectives: mutual credit, a facilitated commons, self-government."""

__version__ = "0.1.0"
