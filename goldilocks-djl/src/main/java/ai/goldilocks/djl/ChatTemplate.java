package ai.goldilocks.djl;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.apiguardian.api.API;

/**
 * Turns a question into the prompt text a chat model expects. Hugging Face checkpoints ship a Jinja
 * {@code chat_template} in {@code tokenizer_config.json}; this class does not run Jinja, it
 * recognises the common families by their markers and renders their generation prompt for one user
 * turn (and an optional system message):
 * <ul>
 *   <li>{@link Family#CHATML} (Qwen2, Qwen2.5, Qwen3, OLMo-2-Instruct):
 *       {@code <|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n};
 *   <li>{@link Family#LLAMA3}: {@code <|start_header_id|>user<|end_header_id|>\n\n...<|eot_id|>} then
 *       the assistant header;
 *   <li>{@link Family#PHI}: {@code <|user|>...<|end|><|assistant|>} (Phi-3, Phi-4-mini);
 *   <li>{@link Family#PLAIN}: {@code question + "\n"}, for base models and unknown templates.
 * </ul>
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1.0")
public final class ChatTemplate {
  /** The template families this class renders. */
  public enum Family {
    /** ChatML markers. */
    CHATML,
    /** Llama 3 header markers. */
    LLAMA3,
    /** Phi-3 / Phi-4 markers. */
    PHI,
    /** No chat markers. */
    PLAIN
  }

  private final Family family;
  private final String bos;

  private ChatTemplate(Family family, String bos) {
    this.family = family;
    this.bos = bos == null ? "" : bos;
  }

  /** A template of the given family (no BOS text). */
  public static ChatTemplate of(Family family) {
    return new ChatTemplate(Objects.requireNonNull(family, "family"), "");
  }

  /**
   * Reads {@code tokenizer_config.json} in {@code checkpoint}: recognises its {@code chat_template}
   * (PLAIN when there is none or it is not recognised) and its {@code bos_token} when the Llama 3
   * template starts with it.
   */
  public static ChatTemplate fromCheckpoint(Path checkpoint) throws IOException {
    Path f = checkpoint.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(f)) {
      return of(Family.PLAIN);
    }
    JsonObject o;
    try {
      o = new Gson().fromJson(Files.readString(f), JsonObject.class);
    } catch (RuntimeException e) {
      throw new IOException(f + ": not valid JSON: " + e.getMessage(), e);
    }
    JsonElement t = o == null ? null : o.get("chat_template");
    String template = t == null || t.isJsonNull() ? "" : t.isJsonPrimitive() ? t.getAsString() : t.toString();
    Family family = template.contains("<|im_start|>") ? Family.CHATML
        : template.contains("<|start_header_id|>") ? Family.LLAMA3
        : template.contains("<|assistant|>") ? Family.PHI : Family.PLAIN;
    String bos = null;
    if (family == Family.LLAMA3 && template.contains("bos_token") && o.has("bos_token") && o.get("bos_token").isJsonPrimitive()) {
      bos = o.get("bos_token").getAsString();
    }
    return new ChatTemplate(family, bos);
  }

  /** The recognised family. */
  public Family family() {
    return family;
  }

  /** The prompt for one user turn, ending where the assistant's answer starts. */
  public String prompt(String question) {
    return prompt(null, question);
  }

  /** The prompt for an optional system message and one user turn. */
  public String prompt(String system, String question) {
    Objects.requireNonNull(question, "question");
    StringBuilder b = new StringBuilder();
    switch (family) {
      case CHATML -> {
        if (system != null) {
          b.append("<|im_start|>system\n").append(system).append("<|im_end|>\n");
        }
        b.append("<|im_start|>user\n").append(question).append("<|im_end|>\n<|im_start|>assistant\n");
      }
      case LLAMA3 -> {
        b.append(bos);
        if (system != null) {
          b.append("<|start_header_id|>system<|end_header_id|>\n\n").append(system).append("<|eot_id|>");
        }
        b.append("<|start_header_id|>user<|end_header_id|>\n\n").append(question)
            .append("<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
      }
      case PHI -> {
        if (system != null) {
          b.append("<|system|>").append(system).append("<|end|>");
        }
        b.append("<|user|>").append(question).append("<|end|><|assistant|>");
      }
      default -> {
        if (system != null) {
          b.append(system).append("\n\n");
        }
        b.append(question).append('\n');
      }
    }
    return b.toString();
  }
}
