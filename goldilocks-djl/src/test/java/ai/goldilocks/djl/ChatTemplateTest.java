package ai.goldilocks.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {

  private static ChatTemplate read(Path dir, String json) throws Exception {
    Files.writeString(dir.resolve("tokenizer_config.json"), json);
    return ChatTemplate.fromCheckpoint(dir);
  }

  @Test
  void recognisesTheCommonFamiliesAndRendersOneTurn(@TempDir Path dir) throws Exception {
    ChatTemplate chatml = read(dir, "{\"chat_template\": \"{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n"
        + "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}\"}");
    assertEquals(ChatTemplate.Family.CHATML, chatml.family());
    assertEquals("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", chatml.prompt("What is 2+2?"));
    assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n",
        chatml.prompt("Be brief.", "Q"));

    ChatTemplate llama = read(dir, "{\"bos_token\": \"<|begin_of_text|>\", \"chat_template\": \"{{ bos_token }}{% for m in messages %}"
        + "<|start_header_id|>{{ m.role }}<|end_header_id|>\\n\\n{{ m.content }}<|eot_id|>{% endfor %}\"}");
    assertEquals(ChatTemplate.Family.LLAMA3, llama.family());
    assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        llama.prompt("Q"));

    ChatTemplate phi = read(dir, "{\"chat_template\": \"{% for m in messages %}<|{{ m.role }}|>{{ m.content }}<|end|>{% endfor %}<|assistant|>\"}");
    assertEquals(ChatTemplate.Family.PHI, phi.family());
    assertEquals("<|user|>Q<|end|><|assistant|>", phi.prompt("Q"));

    assertEquals(ChatTemplate.Family.PLAIN, read(dir, "{\"model_max_length\": 2048}").family());
    assertEquals("Q\n", ChatTemplate.of(ChatTemplate.Family.PLAIN).prompt("Q"));
    Files.delete(dir.resolve("tokenizer_config.json"));
    assertEquals(ChatTemplate.Family.PLAIN, ChatTemplate.fromCheckpoint(dir).family());
  }
}
