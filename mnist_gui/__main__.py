from mnist_gui.cli import main

raise SystemExit(main())
