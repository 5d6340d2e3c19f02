package io.datapipe.persister;

import java.nio.file.Path;

import jakarta.enterprise.inject.spi.Extension;

/**
 * Puts the transaction manager's (Narayana's) object store in the system temporary directory instead of
 * the working directory, where it would land in a source tree or fail on a read-only root file system.
 * The store holds two-phase-commit records only; with the one datasource here every commit is one-phase,
 * so nothing in it outlives the process. Set {@value #PROPERTY} to put it elsewhere.
 *
 * <p>A CDI extension only to run early: the container loads extensions before it starts anything,
 * and Narayana reads its settings once, when it first starts.
 */
public class TransactionLogLocation implements Extension {

    /** Narayana's system property for the object store's directory. */
    static final String PROPERTY = "ObjectStoreEnvironmentBean.objectStoreDir";

    /** Sets the directory of Narayana's three stores (default, communication, state) unless it is set already. */
    public TransactionLogLocation() {
        String dir = System.getProperty(PROPERTY);
        if (dir == null) {
            dir = Path.of(System.getProperty("java.io.tmpdir"), "datapipe-narayana").toString();
            System.setProperty(PROPERTY, dir);
        }
        for (String store : new String[] {"communicationStore", "stateStore"}) {
            String property = "ObjectStoreEnvironmentBean." + store + ".objectStoreDir";
            if (System.getProperty(property) == null) {
                System.setProperty(property, dir);
            }
        }
    }
}
