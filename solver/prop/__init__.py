"""Propagators: bounds from row activities and from reduced costs."""
