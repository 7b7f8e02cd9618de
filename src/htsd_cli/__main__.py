from htsd_cli.cli import main

main()
