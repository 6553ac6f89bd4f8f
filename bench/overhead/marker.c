/* yb-marker: the short-lived program of the exec storm. It does nothing: a
 * run costs fork + execve + exit and nothing else, so what a sensor adds is
 * not hidden by work of its own. Static, so the dynamic loader's opens and
 * mmaps are not part of it either. Its argv carries what the benchmark needs
 * to find its events: yb-marker TOKEN SEQUENCE ACTION_REALTIME_NS. */
int main(void) { return 0; }
