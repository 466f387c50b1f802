# Section "e2e": scheduler + agent together (filled in below once both daemons export their figures).
section_e2e() { note "e2e: not measured yet"; }
