// The AMF module; its types arrive in the files beside this one.
