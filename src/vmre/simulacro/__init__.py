"""The complete mock election (simulacro), driving the same steps that real people run."""
