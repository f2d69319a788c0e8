// The property tests, in one file so that workerd loads fast-check once (a file each costs seconds apiece).
// The configuration (seed, number of cases) comes first.
import "./properties/configure";
import "./properties/userToken.prop";
import "./properties/jwt.prop";
import "./properties/handler.prop";
import "./properties/relay.prop";
import "./properties/relayChoice.prop";
