package io.roomwire.provisioning;

/** The Entra account the device signed in as (from the id token): UPN, tenant and object id. */
public record Account(String upn, String tenantId, String objectId, String displayName) {

    @Override
    public String toString() {
        return upn + " (tenant " + tenantId + ")";
    }
}
