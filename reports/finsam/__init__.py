"""Finsam/SUS: what a samordningsförbund reports to SUS (Finsam's follow-up system) about its
structure-oriented work — efforts and organisations reached in a period, as volume counts only."""
