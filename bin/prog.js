// Interim: the command is bin/prog.cjs.
import './prog.cjs';
