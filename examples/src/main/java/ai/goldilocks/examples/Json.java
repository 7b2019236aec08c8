package ai.goldilocks.examples;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** JSON output helpers: numbers rounded, NaN written as null. */
final class Json {
  static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
  /** For reading untyped JSON back: whole numbers as Long (not Double), so they print as they were written. */
  static final Gson READER = new GsonBuilder().setObjectToNumberStrategy(com.google.gson.ToNumberPolicy.LONG_OR_DOUBLE).create();

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
