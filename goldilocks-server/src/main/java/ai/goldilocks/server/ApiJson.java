package ai.goldilocks.server;

import ai.goldilocks.core.QuestionPool;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The API's JSON: reads request bodies into {@link Messages}' records in one streaming pass (no
 * tree) and writes the answers. Malformed JSON, or a request field of the wrong type, is a 400 for
 * the whole request; a malformed reward item is refused on its own and the others go on.
 */
final class ApiJson {
  /** Integers beyond 2^53 lose digits as JSON numbers (doubles). */
  static final long MAX_SAFE_INTEGER = 1L << 53;
  private static final Set<String> NON_FINITE = Set.of("NaN", "Infinity", "-Infinity");

  private ApiJson() {}

  // ---------------------------------------------------------------- reading

  static Messages.PicksRequest picksRequest(byte[] body) {
    return parse(body, r -> {
      Long step = null;
      Long n = null;
      r.beginObject();
      while (r.hasNext()) {
        switch (r.nextName()) {
          case "step" -> step = integer(r, "step");
          case "n" -> n = integer(r, "n");
          default -> r.skipValue();
        }
      }
      r.endObject();
      return new Messages.PicksRequest(required(step, "step"), required(n, "n"));
    });
  }

  static Messages.RewardsRequest rewardsRequest(byte[] body) {
    return parse(body, r -> {
      Long step = null;
      List<Messages.RewardItem> items = null;
      r.beginObject();
      while (r.hasNext()) {
        switch (r.nextName()) {
          case "step" -> step = integer(r, "step");
          case "results" -> {
            if (r.peek() != JsonToken.BEGIN_ARRAY) {
              throw ApiException.badRequest("\"results\" must be an array");
            }
            items = new ArrayList<>();
            r.beginArray();
            while (r.hasNext()) {
              items.add(item(r, items.size()));
            }
            r.endArray();
          }
          default -> r.skipValue();
        }
      }
      r.endObject();
      if (items == null) {
        throw ApiException.badRequest("\"results\" must be an array");
      }
      return new Messages.RewardsRequest(required(step, "step"), items);
    });
  }

  @FunctionalInterface
  private interface Body<T> {
    T read(JsonReader r) throws IOException;
  }

  /** Parses leniently (NaN and Infinity are numbers, as JavaScript clients send them), one object, nothing after it. */
  private static <T> T parse(byte[] body, Body<T> body2) {
    JsonReader r = new JsonReader(new StringReader(new String(body, StandardCharsets.UTF_8)));
    r.setStrictness(Strictness.LENIENT);
    try {
      if (r.peek() != JsonToken.BEGIN_OBJECT) {
        throw ApiException.badRequest("the body must be a JSON object");
      }
      T out = body2.read(r);
      if (r.peek() != JsonToken.END_DOCUMENT) {
        throw ApiException.badRequest("malformed JSON: more after the object");
      }
      return out;
    } catch (IOException | IllegalStateException | NumberFormatException e) {
      throw ApiException.badRequest("malformed JSON: " + e.getMessage());
    }
  }

  private static long required(Long v, String field) {
    if (v == null) {
      throw ApiException.badRequest("\"" + field + "\" must be an integer");
    }
    return v;
  }

  /**
   * An integer field, within the JSON-safe range |x| <= 2^53 (larger numbers lose digits as
   * doubles); the service checks the tighter bounds of each field.
   */
  private static long integer(JsonReader r, String field) throws IOException {
    if (r.peek() != JsonToken.NUMBER) {
      r.skipValue();
      throw ApiException.badRequest("\"" + field + "\" must be an integer");
    }
    String literal = r.nextString();
    double d = Double.parseDouble(literal);
    if (d != Math.rint(d)) {
      throw ApiException.badRequest("\"" + field + "\" must be an integer, got " + Quote.of(literal));
    }
    if (Math.abs(d) > MAX_SAFE_INTEGER) {
      throw ApiException.unprocessable("\"" + field + "\" = " + Quote.of(literal) + " is beyond the limit of "
          + MAX_SAFE_INTEGER + " (2^53)");
    }
    return (long) d;
  }

  /** One reward item; a malformed one is read past and returned with its problem. */
  private static Messages.RewardItem item(JsonReader r, int index) throws IOException {
    if (r.peek() != JsonToken.BEGIN_OBJECT) {
      r.skipValue();
      return Messages.RewardItem.malformed(index, null, "item is not a JSON object");
    }
    String id = null;
    String idProblem = "\"id\" must be a string";
    double[] rewards = null;
    String rewardsProblem = "\"rewards\" must be an array of numbers";
    int[] rollouts = null;
    String rolloutsProblem = null;
    r.beginObject();
    while (r.hasNext()) {
      switch (r.nextName()) {
        case "id" -> {
          if (r.peek() == JsonToken.STRING) {
            id = r.nextString();
            idProblem = null;
          } else {
            r.skipValue();
            id = null;
            idProblem = "\"id\" must be a string";
          }
        }
        case "rewards" -> {
          rewards = null;
          rewardsProblem = null;
          if (r.peek() != JsonToken.BEGIN_ARRAY) {
            r.skipValue();
            rewardsProblem = "\"rewards\" must be an array of numbers";
          } else {
            double[] v = new double[8];
            int count = 0;
            r.beginArray();
            while (r.hasNext()) {
              JsonToken t = r.peek();
              double x = Double.NaN;
              boolean ok = true;
              if (t == JsonToken.NUMBER) {
                x = r.nextDouble();
              } else if (t == JsonToken.STRING) {
                String s = r.nextString();
                ok = NON_FINITE.contains(s);
                x = ok ? Double.parseDouble(s) : x;
              } else {
                r.skipValue();
                ok = false;
              }
              if (!ok && rewardsProblem == null) {
                rewardsProblem = "\"rewards\"[" + count + "] is not a number (" + t + ")";
              }
              if (count == v.length) {
                v = Arrays.copyOf(v, 2 * count);
              }
              v[count++] = x;
            }
            r.endArray();
            rewards = Arrays.copyOf(v, count);
          }
        }
        case "rollouts" -> {
          rollouts = null;
          rolloutsProblem = null;
          if (r.peek() == JsonToken.NULL) {
            r.nextNull();
          } else if (r.peek() != JsonToken.BEGIN_ARRAY) {
            r.skipValue();
            rolloutsProblem = "\"rollouts\" must be an array of integers";
          } else {
            int[] v = new int[8];
            int count = 0;
            r.beginArray();
            while (r.hasNext()) {
              int x = 0;
              if (r.peek() == JsonToken.NUMBER) {
                String literal = r.nextString();
                double d = Double.parseDouble(literal);
                if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
                  rolloutsProblem = rolloutsProblem != null ? rolloutsProblem
                      : "\"rollouts\"[" + count + "] is not an integer: " + Quote.of(literal);
                } else {
                  x = (int) d;
                }
              } else {
                JsonToken t = r.peek();
                r.skipValue();
                rolloutsProblem = rolloutsProblem != null ? rolloutsProblem
                    : "\"rollouts\"[" + count + "] is not an integer (" + t + ")";
              }
              if (count == v.length) {
                v = Arrays.copyOf(v, 2 * count);
              }
              v[count++] = x;
            }
            r.endArray();
            rollouts = Arrays.copyOf(v, count);
          }
        }
        default -> r.skipValue();
      }
    }
    r.endObject();
    String problem = idProblem != null ? idProblem : rewardsProblem != null ? rewardsProblem : rolloutsProblem;
    if (problem != null) {
      return Messages.RewardItem.malformed(index, id, problem);
    }
    return new Messages.RewardItem(index, id, rewards, rollouts, null);
  }

  // ---------------------------------------------------------------- writing

  /** {@code {"step": S, "picks": [{"id", "text", "predictedUtility"}]}} (no utility where there is no prediction). */
  static byte[] picksAnswer(Ledger.Picks p, QuestionPool pool) {
    StringBuilder b = new StringBuilder(64 + 128 * p.size());
    b.append("{\"step\":").append(p.step()).append(",\"picks\":[");
    for (int i = 0; i < p.size(); i++) {
      string(b.append(i == 0 ? "{\"id\":" : ",{\"id\":"), p.id(i));
      string(b.append(",\"text\":"), pool.text(pool.requireIndex(p.id(i))));
      if (!Double.isNaN(p.utility(i))) {
        b.append(",\"predictedUtility\":").append(p.utility(i));
      }
      b.append('}');
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] rewardsAnswer(Messages.RewardsAnswer a) {
    StringBuilder b = new StringBuilder(128);
    b.append("{\"step\":").append(a.step()).append(",\"accepted\":").append(a.accepted()).append(",\"duplicate\":")
        .append(a.duplicate()).append(",\"stale\":").append(a.stale()).append(",\"completed\":").append(a.completed())
        .append(",\"rejected\":[");
    for (int i = 0; i < a.rejected().size(); i++) {
      Messages.Rejection rj = a.rejected().get(i);
      b.append(i == 0 ? "{\"index\":" : ",{\"index\":").append(rj.index());
      if (rj.id() != null) {
        string(b.append(",\"id\":"), Quote.of(rj.id()));
      }
      string(b.append(",\"reason\":"), rj.reason()).append('}');
    }
    return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] error(String type, String message) {
    JsonObject err = new JsonObject();
    err.addProperty("type", type);
    err.addProperty("message", message);
    JsonObject o = new JsonObject();
    o.add("error", err);
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Appends {@code s} as a JSON string: quotes, backslashes and control characters escaped. */
  static StringBuilder string(StringBuilder b, String s) {
    b.append('"');
    int from = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        b.append(s, from, i);
        from = i + 1;
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          default -> b.append(String.format("\\u%04x", (int) c));
        }
      }
    }
    return b.append(s, from, s.length()).append('"');
  }
}
