package ai.goldilocks.examples;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** JSON output helpers: numbers rounded, NaN written as null. */
final class Json {
  static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

  private Json() {}

  /** Rounded to {@code digits} decimals; null (JSON null) when not finite, since JSON has no NaN. */
  static Double round(double v, int digits) {
    if (!Double.isFinite(v)) {
      return null;
    }
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
