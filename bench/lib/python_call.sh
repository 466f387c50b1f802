# Section "python_call": the python host's call micro-benchmark (bench/python_call).
section_python_call() { note "python_call: not measured yet"; }
