package io.testbot.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The one JSON mapping used on the wire and in the store. */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** A result of the usual shape, for warm-ups to write and read before the first real one. */
    public static final JobResult SAMPLE_RESULT = new JobResult("warm-up", 1, 0, false, "", 0, 0, "",
            java.util.List.of(new FileResult("warm_up_spec.rb", 1, 0, 0, 0, java.util.List.of())));

    /**
     * Builds the readers and writers of these types now: Jackson builds each on its first use, milliseconds apiece in
     * a fresh JVM, which would otherwise fall on a build's first requests.
     */
    public static void prepare(Class<?>... types) {
        for (Class<?> type : types) {
            MAPPER.readerFor(type);
            MAPPER.writerFor(type);
        }
    }
}
