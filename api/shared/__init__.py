"""The shared kernel of this layer: what every area uses."""
