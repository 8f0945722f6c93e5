"""Stand-in for the standard tkinter package, for interpreters built without Tk.

python-nicepay imports `tkinter.messagebox` at module level without using it; this package is put on
the client's PYTHONPATH only when the real one cannot be imported.
"""
