//! JS exports of the pure core (filled in as the core lands).
