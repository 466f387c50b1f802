# OIDs of the MIB objects the original's plugins read (numeric, with a leading period), and small
# typed-value classes (base).
