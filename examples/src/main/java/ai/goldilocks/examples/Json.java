package ai.goldilocks.examples;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** JSON output helpers: NaN is written as null-free numbers where possible. */
final class Json {
  static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  private Json() {}

  static double round(double v, int digits) {
    if (!Double.isFinite(v)) {
      return v;
    }
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
