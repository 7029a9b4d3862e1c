"""``python -m kimina_prover_rl`` runs the ``kimina-rl`` command line."""

from kimina_prover_rl.cli import main

main()
