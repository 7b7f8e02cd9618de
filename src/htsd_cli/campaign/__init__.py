"""What a campaign is: its form (YAML or workbook), where each cell sits, htsd.toml, the roster of units."""
