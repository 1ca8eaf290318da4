package org.callscheduler.dispatch;

/**
 * The in-progress calls one instance asks the Call API about: those whose id modulo {@code of} is {@code index}, where
 * {@code of} is the number of instances that polled lately and {@code index} this instance's place among them (by
 * instance id). {@link #ALL} when it polls alone or is not registered (it does not dispatch): it then asks about every
 * call. A call asked twice costs a status request; one asked by nobody would not show how it ends, so an instance
 * counts as polling only for two of its intervals and a second after it last did.
 */
record PollShare(int index, int of) {

    static final PollShare ALL = new PollShare(0, 1);

    PollShare {
        if (of < 1 || index < 0 || index >= of) {
            throw new IllegalArgumentException("share " + index + " of " + of);
        }
    }

    boolean all() {
        return of == 1;
    }

    @Override
    public String toString() {
        return all() ? "all calls" : "share " + (index + 1) + " of " + of;
    }
}
