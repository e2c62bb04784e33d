package org.difflabel.registry;

import org.difflabel.testsupport.RegistryServer;

/** The contract round trips against Apicurio Registry's Confluent-compatible API. */
class ApicurioContractRoundTripIT extends ContractRoundTrips {

    @Override
    String registryUrl() {
        return RegistryServer.shared().url();
    }
}
