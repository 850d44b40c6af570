"""Förbund: the samordningsförbund an installation serves, each with its area (municipalities), its
coordinators, its funded projects and its own texts, over one national directory. The request's förbund comes
from its host name (middleware.py); an installation with one förbund needs no host names at all."""
