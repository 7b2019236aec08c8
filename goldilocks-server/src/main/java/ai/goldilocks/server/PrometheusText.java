package ai.goldilocks.server;

/** Writes the Prometheus text exposition format (version 0.0.4): HELP, TYPE and sample lines. */
final class PrometheusText {
  private final StringBuilder b = new StringBuilder();

  PrometheusText counter(String name, String help, double v) {
    return family(name, help, "counter").sample(name, v);
  }

  PrometheusText gauge(String name, String help, double v) {
    return family(name, help, "gauge").sample(name, v);
  }

  /** The HELP and TYPE lines of a family whose samples follow. */
  PrometheusText family(String name, String help, String type) {
    b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ').append(type)
        .append('\n');
    return this;
  }

  /** One sample line; {@code series} is the name with its labels, e.g. {@code x{status="ok"}}. */
  PrometheusText sample(String series, double v) {
    b.append(series).append(' ').append(format(v)).append('\n');
    return this;
  }

  @Override
  public String toString() {
    return b.toString();
  }

  static String format(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
