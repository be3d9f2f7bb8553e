import { describeStoreContract } from './store-contract.js';
import { connectRedisStore, memoryStore, mySqlStore, postgresStore, redisStoreOnSingleNode, sealedStoreOn } from './store-subjects.js';

// The `encryption` option's wrapper keeps the contract on every store: merges by compare-and-swap
// keep other requests' keys, and flash messages are taken one by one, where the store has compareAndSet.
describeStoreContract(sealedStoreOn(memoryStore()), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'takeFlashMessages', 'take', 'ownerIndex', 'exactOwnerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(sealedStoreOn(redisStoreOnSingleNode()), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'takeFlashMessages', 'take', 'ownerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(sealedStoreOn(postgresStore()), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'takeFlashMessages', 'take', 'ownerIndex', 'exactOwnerIndex', 'all', 'ids', 'length', 'clear']);
describeStoreContract(sealedStoreOn(mySqlStore()), ['writeModes', 'touch', 'touchReportsMissing', 'merge', 'mergeKeepsOthersKeys', 'takeFlashMessages', 'take', 'ownerIndex', 'exactOwnerIndex', 'all', 'ids', 'length', 'clear']);
// A store without compareAndSet: no merge (sessions are written whole, the last save wins), flash messages go with the save.
describeStoreContract(sealedStoreOn(connectRedisStore()), ['touch', 'all', 'length', 'clear']);
