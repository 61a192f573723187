"""cybermutual: run cyber-collectives (mutual credit, a facilitated commons, governance, simulation)."""

__version__ = "0.1.0"
