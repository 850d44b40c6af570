"""Key figures of the network for coordinators (/figures/): organisations by type and freshness, open needs and
opportunities, placements started this quarter, events and attendance, ESF+ participant totals."""
