"""Writing files safely: cells that never run as formulas, deterministic packages, the openpyxl style kit."""
