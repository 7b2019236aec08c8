package ai.goldilocks.examples;

import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The {@code --json} option every command that prints a result shares (a picocli mixin): one JSON
 * object on stdout, or a human-readable form.
 */
final class JsonOutput {
  @Option(names = "--json", description = "Print the result as one JSON object on stdout.")
  boolean json;

  /** With {@code --json} the whole map as one JSON object, else one {@code key: value} line per entry. */
  void print(Map<String, ?> out) {
    print(out, () -> out.forEach((k, v) -> System.out.println(k + ": " + v)));
  }

  /** With {@code --json} {@code out} as one JSON object, else whatever {@code text} prints. */
  void print(Object out, Runnable text) {
    if (json) {
      System.out.println(Json.GSON.toJson(out));
    } else {
      text.run();
    }
  }
}
