"""Published figures with their configurations; ``accelsim validate`` runs them all."""
