package org.callscheduler.call;

import java.lang.reflect.Type;
import java.util.function.BiFunction;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/**
 * How the API reads a request body: one JSON value and nothing after it (no second object, no
 * {@code }} or comment after the first), each key once, and no comments (Jackson's default, kept).
 * Anything else is a 400, never a call stored from part of a body. Only the API's request bodies are
 * read this way ({@code @CustomDeserialization} on {@link CallResource}); the shared ObjectMapper,
 * which also reads the Call API's answers, is left as it is.
 */
public class StrictJson implements BiFunction<ObjectMapper, Type, ObjectReader> {

    @Override
    public ObjectReader apply(ObjectMapper mapper, Type type) {
        return mapper.readerFor(mapper.constructType(type))
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .without(JsonParser.Feature.ALLOW_COMMENTS);
    }
}
