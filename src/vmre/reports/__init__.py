"""Reports built from every part's data: the quarterly report and the biweekly card report."""
