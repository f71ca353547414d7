"""The lane-edge daemon: wiring of drivers, bus, lane logic, store and outputs."""
