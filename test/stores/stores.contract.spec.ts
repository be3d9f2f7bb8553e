import { describeStoreContract } from './store-contract.js';
import { connectRedisStore, customSerializer, expressSessionMemoryStore, memoryStore, mySqlStore, postgresStore, redisStoreOnCluster, redisStoreOnSingleNode } from './store-subjects.js';

// One line per store: its capabilities are checked against the store, and decide which blocks run.
describeStoreContract(memoryStore(), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'compareAndSet', 'take', 'takeFlashMessages', 'ownerIndex', 'exactOwnerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(redisStoreOnSingleNode(), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'compareAndSet', 'take', 'takeFlashMessages', 'ownerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(redisStoreOnCluster(), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'compareAndSet', 'take', 'takeFlashMessages', 'ownerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(redisStoreOnSingleNode({ serializer: customSerializer }), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'compareAndSet', 'take', 'ownerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(postgresStore(), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'compareAndSet', 'take', 'takeFlashMessages', 'ownerIndex', 'exactOwnerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(mySqlStore(), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'compareAndSet', 'take', 'takeFlashMessages', 'ownerIndex', 'exactOwnerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(expressSessionMemoryStore(), ['touch', 'all', 'length', 'clear']);
describeStoreContract(connectRedisStore(), ['touch', 'all', 'length', 'clear']);
