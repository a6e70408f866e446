package dev.jvmm.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a JSON file into dotted paths and scalar texts ({@code vcpus.0.exits.io_out -> "2000"}), for assertions. */
final class FlatJson {
    private FlatJson() {}

    static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        Deque<String> path = new ArrayDeque<>();
        Deque<int[]> arrayIndex = new ArrayDeque<>();
        try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                switch (t) {
                    case FIELD_NAME -> path.addLast(p.currentName());
                    case START_OBJECT, START_ARRAY -> {
                        enterValue(path, arrayIndex);
                        arrayIndex.push(t == JsonToken.START_ARRAY ? new int[] {0} : new int[] {-1});
                    }
                    case END_OBJECT, END_ARRAY -> {
                        arrayIndex.pop();
                        leaveValue(path, arrayIndex);
                    }
                    default -> {
                        enterValue(path, arrayIndex);
                        values.put(String.join(".", path), p.getText());
                        leaveValue(path, arrayIndex);
                    }
                }
            }
        }
        return values;
    }

    private static void enterValue(Deque<String> path, Deque<int[]> arrayIndex) {
        if (!arrayIndex.isEmpty() && arrayIndex.peek()[0] >= 0) {
            path.addLast(Integer.toString(arrayIndex.peek()[0]++));
        }
    }

    private static void leaveValue(Deque<String> path, Deque<int[]> arrayIndex) {
        if (!path.isEmpty() && !arrayIndex.isEmpty()) {
            path.removeLast(); // the field name in an object, or the index in an array
        }
    }
}
