package ai.goldilocks.examples;

import java.io.PrintStream;

/** A one-line console progress bar with rate and ETA, on stderr. */
final class ProgressBar {
  private final String label;
  private final long total;
  private final long start = System.nanoTime();
  private final PrintStream out = System.err;
  private final long startDone;
  private long lastPrint;

  ProgressBar(String label, long total) {
    this(label, total, 0);
  }

  /** A bar that starts at {@code startDone} (a resumed run): the rate and ETA count only what is done from here. */
  ProgressBar(String label, long total, long startDone) {
    this.label = label;
    this.total = Math.max(1, total);
    this.startDone = startDone;
  }

  void update(long done, String extra) {
    long now = System.nanoTime();
    if (done < total && now - lastPrint < 200_000_000L) {
      return;
    }
    lastPrint = now;
    double frac = Math.min(1.0, (double) done / total);
    int width = 28;
    int filled = (int) Math.round(frac * width);
    double elapsed = (now - start) / 1e9;
    double eta = done <= startDone ? Double.NaN : elapsed * (total - done) / (done - startDone);
    out.printf("\r%-22s [%s%s] %5.1f%% %d/%d  %.0fs elapsed, eta %s  %s", label, "=".repeat(filled), " ".repeat(width - filled),
        100 * frac, done, total, elapsed, Double.isNaN(eta) ? "?" : String.format("%.0fs", eta), extra == null ? "" : extra);
    if (done >= total) {
      out.println();
    }
    out.flush();
  }
}
