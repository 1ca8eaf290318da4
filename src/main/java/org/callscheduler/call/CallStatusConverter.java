package org.callscheduler.call;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores {@link CallStatus} as its wire form, so the column reads the same as the API. */
@Converter(autoApply = true)
class CallStatusConverter implements AttributeConverter<CallStatus, String> {

    @Override
    public String convertToDatabaseColumn(CallStatus status) {
        return status == null ? null : status.value();
    }

    @Override
    public CallStatus convertToEntityAttribute(String value) {
        return value == null ? null
                : CallStatus.parse(value).orElseThrow(() -> new IllegalStateException("Unknown call status " + value));
    }
}
