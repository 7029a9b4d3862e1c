"""``python -m kimina_prover_rl.standin``: run the stand-in REPL on stdin/stdout."""

from kimina_prover_rl.standin._server import main

raise SystemExit(main())
