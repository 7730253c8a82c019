"""The engine schedules: SimPy processes over tiles, memory transfers overlapped with compute."""
